import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from './$types';

/** Prometheus scrape endpoint; when METRICS_TOKEN is set it needs `Authorization: Bearer <token>`. */
export const GET: RequestHandler = async ({ locals, request }) => {
	const token = locals.app.config.metricsToken;
	if (token) {
		const presented = Buffer.from(request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? '');
		const expected = Buffer.from(token);
		if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
			return new Response('unauthorized\n', { status: 401, headers: { 'www-authenticate': 'Bearer' } });
		}
	}
	return new Response(await locals.app.observability.scrape(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
};
