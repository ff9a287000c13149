import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { roomIdSchema } from '$contract/rooms';
import { runRequestSchema } from '$contract/runs';
import { readJson, requireUser } from '$lib/server/api';
import { requireMembership, requireSteering } from '$lib/server/runs';
import type { RequestHandler } from './$types';

const listQuery = z.object({
	room: roomIdSchema,
	status: z.enum(['queued', 'running', 'waiting_approval', 'succeeded', 'failed', 'cancelled']).optional(),
	model: z.string().max(100).optional(),
	task: z.string().max(40).optional(),
	author: z.string().max(64).optional(),
	q: z.string().max(200).optional(),
	before: z.coerce.number().int().positive().optional(),
	limit: z.coerce.number().int().min(1).max(100).default(20)
});

/** A room's runs, newest first; page with `before` = the last run's createdAt. */
export const GET: RequestHandler = async (event) => {
	requireUser(event);
	const parsed = listQuery.safeParse(Object.fromEntries(event.url.searchParams));
	if (!parsed.success) error(400, { message: `${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`, code: 'bad_request' });
	const f = parsed.data;
	await requireMembership(event, f.room);
	const runs = await event.locals.app.runs.list(f.room, { status: f.status, modelId: f.model, task: f.task, authorId: f.author, q: f.q, before: f.before, limit: f.limit });
	return json({ runs, nextBefore: runs.length === f.limit ? runs.at(-1)!.createdAt : null });
};

const startSchema = z.object({ roomId: roomIdSchema }).passthrough();

/** Starts a run in a room the caller belongs to. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const body = await readJson(event, startSchema);
	await requireMembership(event, body.roomId);
	await requireSteering(event, body.roomId);
	const { roomId, ...rest } = body;
	const request = runRequestSchema.safeParse(rest);
	if (!request.success) error(400, { message: `${request.error.issues[0].path.join('.')}: ${request.error.issues[0].message}`, code: 'bad_request' });
	const run = await event.locals.app.orchestrator.start({ roomId, authorId: user.id, request: request.data });
	return json(run, { status: 201 });
};
