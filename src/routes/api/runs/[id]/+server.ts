import { json } from '@sveltejs/kit';
import { requireRun } from '$lib/server/runs';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => json(await requireRun(event, event.params.id));
