import { createAppContext, type AppContext } from '../../server/app';
import { loadConfig } from '../../server/config';
import { silentLogger } from '../../server/logger';
import { MODELS_DIR } from './models';

/** A full app context on an in-memory SQLite database and the generated models, plus a user and a room. */
export async function testApp(env: Record<string, string> = {}) {
	const ctx: AppContext = await createAppContext(
		// MODEL_LOAD_CHECK off: tests/integration/model-load-check.test.ts covers the supervised check, which would add
		// a child process per test file here.
		loadConfig({
			DATABASE_URL: 'sqlite::memory:',
			MODEL_LOAD_CHECK: 'off',
			MODELS_DIR,
			MODEL_RAM_BUDGET_MB: '512',
			MODEL_KEEP_ALIVE_S: '0',
			...env
		}),
		silentLogger()
	);
	const user = await ctx.auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
	if (!user.ok) throw new Error(user.error.message);
	const room = await ctx.rooms.create(user.data, { name: 'Lab', visibility: 'private' });
	return { ctx, user: user.data, room };
}
