import { error, json } from '@sveltejs/kit';
import { requireUser } from '$lib/server/api';
import { requireRun, unwrap } from '$lib/server/runs';
import type { RequestHandler } from './$types';

/** The run with its whole timeline, as JSON (`?format=json`, default) or Markdown (`?format=md`), as a download. */
export const GET: RequestHandler = async (event) => {
	const run = await requireRun(event, event.params.id);
	const format = event.url.searchParams.get('format') ?? 'json';
	if (format !== 'json' && format !== 'md') error(400, { message: 'format must be json or md', code: 'bad_request' });
	const { exportJson, exportMarkdown } = event.locals.app.runExport;
	const events = unwrap(await event.locals.app.runsService.events(requireUser(event), run.id, 0));
	const disposition = `attachment; filename="run-${run.id}.${format}"`;
	if (format === 'md') {
		return new Response(exportMarkdown(run, events), {
			headers: { 'content-type': 'text/markdown; charset=utf-8', 'content-disposition': disposition }
		});
	}
	return json(exportJson(run, events), { headers: { 'content-disposition': disposition } });
};
