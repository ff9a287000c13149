import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function capture() {
	const lines: string[] = [];
	const destination = new Writable({
		write(chunk, _enc, done) {
			lines.push(...String(chunk).split('\n').filter(Boolean));
			done();
		}
	});
	return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('logger', () => {
	it('writes JSON lines carrying run, room and user ids from child loggers', () => {
		const { lines, logger } = capture();
		logger.child({ runId: 'r1', roomId: 'room1' }).child({ userId: 'u1' }).info({ node: 'executor' }, 'node finished');
		const line = JSON.parse(lines[0]);
		expect(line).toMatchObject({ runId: 'r1', roomId: 'room1', userId: 'u1', node: 'executor', msg: 'node finished', level: 30 });
	});

	it('never writes passwords, tokens, keys, cookies or authorization headers', () => {
		const { lines, logger } = capture();
		logger.info(
			{
				password: 'hunter22',
				token: 'sy_abc.def',
				key: 'sy_k.s',
				headers: { cookie: 'sy_session=a.b', authorization: 'Bearer sy_x.y' },
				user: { password: 'p' }
			},
			'login'
		);
		const text = lines.join('\n');
		for (const secret of ['hunter22', 'sy_abc.def', 'sy_k.s', 'sy_session=a.b', 'Bearer sy_x.y', '"p"']) expect(text).not.toContain(secret);
		expect(text).toContain('[redacted]');
	});
});
