import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

// Liveness: the process answers. Readiness checks (database, models, Redis) live at /api/ready.
export const GET: RequestHandler = ({ locals }) =>
	json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - locals.app.startedAt) / 1000), version: '0.1.0' });
