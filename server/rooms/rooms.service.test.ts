import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { createUsersRepository } from '../auth/users.repository';
import { RateLimit } from '../rate-limits';
import { createRoomsRepository } from './rooms.repository';
import { createRoomsService } from './rooms.service';

describe.each(DIALECTS)('rooms service on %s', (kind) => {
	let t: TestDatabase;
	let rooms: ReturnType<typeof createRoomsService>;
	const ann = { id: 'annannannann', email: 'ann@example.com', name: 'Ann' };
	const bob = { id: 'bobbobbobbob', email: 'bob@example.com', name: 'Bob' };
	const cid = { id: 'cidcidcidcid', email: 'cid@example.com', name: 'Cid' };

	beforeEach(async () => {
		t = await freshDatabase(kind);
		const users = createUsersRepository(t.db);
		for (const u of [ann, bob, cid]) await users.create({ ...u, passwordHash: 'x' });
		const roomJoin = new RateLimit('ROOM_JOIN_RATE_PER_MINUTE', 20, 'room joins');
		rooms = createRoomsService({ rooms: createRoomsRepository(t.db), users, limits: { roomJoin } });
	});
	afterEach(() => {
		vi.useRealTimers();
		return t.drop();
	});

	it('creates a room owned by its creator, who alone sees the invite token', async () => {
		const room = await rooms.create(ann, { name: 'Eval', visibility: 'private' });
		expect(room).toMatchObject({ name: 'Eval', ownerId: ann.id, role: 'owner', memberCount: 1 });
		expect(room.inviteToken).toMatch(/^[a-z2-7]{32}$/);
		await rooms.joinByInvite(bob, room.inviteToken!);
		const asBob = await rooms.detail(room.id, bob);
		expect(asBob.ok && asBob.data.inviteToken).toBeUndefined();
		expect(asBob.ok && asBob.data.members.map((m) => m.name)).toEqual(['Ann', 'Bob']);
	});

	it('lists public rooms and your own, never other private rooms', async () => {
		const pub = await rooms.create(ann, { name: 'Public', visibility: 'public' });
		const priv = await rooms.create(ann, { name: 'Secret', visibility: 'private' });
		const bobs = await rooms.list(bob);
		expect(bobs.rooms.map((r) => r.name)).toEqual(['Public']);
		expect(bobs.rooms[0]).toMatchObject({ id: pub.id, role: null, memberCount: 1 });
		expect(bobs.nextPublicBefore).toBeNull();
		expect((await rooms.list(ann)).rooms.map((r) => r.id).sort()).toEqual([pub.id, priv.id].sort());
	});

	it('always lists every room of yours, however many newer public rooms others create; public ones come in pages', async () => {
		const own = await rooms.create(ann, { name: 'Mine', visibility: 'private' });
		const joinedPublic = await rooms.create(bob, { name: 'Joined', visibility: 'public' });
		await rooms.join(ann, joinedPublic.id);
		// 520 newer public rooms by someone else (the old list stopped at 500 rooms, newest first).
		const spam = Array.from({ length: 520 }, (_, i) => ({
			id: `spam${String(i)
				.padStart(4, 'a')
				.replace(/\d/g, (d) => 'abcdefghij'[Number(d)])}zzzz`,
			name: `Spam ${i}`,
			visibility: 'public' as const,
			owner_id: cid.id,
			invite_token: `token${i}`.padEnd(32, 'x'),
			created_at: Date.now() + 60_000 + Math.floor(i / 3) // ties in created_at: the cursor breaks them by id
		}));
		await t.db.insertInto('rooms').values(spam).execute();

		const first = await rooms.list(ann, { limit: 100 });
		const mine = (list: { rooms: { id: string; role: string | null }[] }) =>
			list.rooms
				.slice(0, 2)
				.map((r) => `${r.id}:${r.role}`)
				.sort();
		expect(mine(first)).toEqual([`${joinedPublic.id}:member`, `${own.id}:owner`].sort());
		expect(first.rooms).toHaveLength(102);
		expect(first.rooms.slice(2).every((r) => r.role === null && r.visibility === 'public')).toBe(true);
		expect(first.nextPublicBefore).toMatch(/^\d+\.[a-z2-7]+$/);

		// Paging through every public room: each once, newest first, yours never among them.
		const seen = first.rooms.slice(2).map((r) => r.id);
		let cursor = first.nextPublicBefore;
		while (cursor) {
			const page = await rooms.list(ann, { publicBefore: cursor, limit: 100 });
			expect(mine(page)).toEqual(mine(first));
			seen.push(...page.rooms.slice(2).map((r) => r.id));
			cursor = page.nextPublicBefore;
		}
		expect(seen).toHaveLength(520);
		expect(new Set(seen).size).toBe(520);
		expect(seen).toEqual([...spam].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1)).map((r) => r.id));
	});

	it('rate-limits joins per user (ROOM_JOIN_RATE_PER_MINUTE), public joins and invite links alike', async () => {
		vi.useFakeTimers({ toFake: ['Date'] }); // the limit's window follows the clock
		const pub = await rooms.create(ann, { name: 'Public', visibility: 'public' });
		const priv = await rooms.create(ann, { name: 'Secret', visibility: 'private' });
		for (let i = 0; i < 19; i++) expect((await rooms.join(bob, pub.id)).ok).toBe(true);
		expect((await rooms.joinByInvite(bob, priv.inviteToken!)).ok).toBe(true);
		const refused = {
			ok: false,
			error: { code: 'rate_limited', message: expect.stringMatching(/ROOM_JOIN_RATE_PER_MINUTE: 20 per minute/) }
		};
		expect(await rooms.join(bob, pub.id)).toEqual(refused);
		expect(await rooms.joinByInvite(bob, priv.inviteToken!)).toEqual(refused);
		expect((await rooms.join(cid, pub.id)).ok).toBe(true); // per user
		vi.setSystemTime(Date.now() + 60_000); // the next window
		expect((await rooms.join(bob, pub.id)).ok).toBe(true);
	});

	it('lets anyone join a public room and refuses outsiders of a private one', async () => {
		const pub = await rooms.create(ann, { name: 'Public', visibility: 'public' });
		const priv = await rooms.create(ann, { name: 'Secret', visibility: 'private' });
		const joined = await rooms.join(bob, pub.id);
		expect(joined.ok && joined.data.role).toBe('member');
		expect(await rooms.isMember(bob, pub.id)).toBe(true);
		expect(await rooms.join(bob, priv.id)).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/private/) } });
		expect((await rooms.detail(priv.id, bob)).ok).toBe(false);
		expect(await rooms.isMember(bob, priv.id)).toBe(false);
		expect((await rooms.join(bob, 'aaaaaaaaaaaa')).ok).toBe(false);
	});

	it('joins by invite link; a replaced link stops working', async () => {
		const room = await rooms.create(ann, { name: 'Secret', visibility: 'private' });
		const old = room.inviteToken!;
		const added: unknown[] = [];
		rooms.events.on('member-added', (e) => added.push(e));
		expect((await rooms.joinByInvite(bob, old)).ok).toBe(true);
		expect((await rooms.joinByInvite(bob, old)).ok).toBe(true); // twice: still one membership, one event
		expect(added).toEqual([{ roomId: room.id, userId: bob.id }]);
		const regenerated = await rooms.regenerateInvite(ann, room.id);
		expect(regenerated.ok && regenerated.data.inviteToken).not.toBe(old);
		const late = await rooms.joinByInvite(cid, old);
		expect(!late.ok && late.error.code).toBe('not_found');
		expect((await rooms.regenerateInvite(bob, room.id)).ok).toBe(false);
	});

	it('previews an invite without joining (the confirmation page’s GET)', async () => {
		const room = await rooms.create(ann, { name: 'Secret', visibility: 'private' });
		const preview = await rooms.previewInvite(bob, room.inviteToken!);
		expect(preview).toEqual({ ok: true, data: { roomId: room.id, name: 'Secret', visibility: 'private', memberCount: 1, member: false } });
		expect(await rooms.isMember(bob, room.id)).toBe(false);
		expect(await rooms.previewInvite(ann, room.inviteToken!)).toMatchObject({ ok: true, data: { member: true } });
		expect((await rooms.previewInvite(bob, 'bogusbogusbogus')).ok).toBe(false);
		await rooms.joinByInvite(bob, room.inviteToken!);
		await rooms.removeMember(ann, room.id, bob.id);
		expect(await rooms.previewInvite(bob, room.inviteToken!)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});

	it('lets only the owner invite by email and remove members, and tells the realtime layer', async () => {
		const room = await rooms.create(ann, { name: 'Secret', visibility: 'private' });
		const removed: unknown[] = [];
		rooms.events.on('member-removed', (e) => removed.push(e));
		expect((await rooms.inviteByEmail(bob, room.id, cid.email)).ok).toBe(false);
		expect((await rooms.inviteByEmail(ann, room.id, 'nobody@example.com')).ok).toBe(false);
		const invited = await rooms.inviteByEmail(ann, room.id, bob.email);
		expect(invited.ok && invited.data.memberCount).toBe(2);
		expect((await rooms.removeMember(bob, room.id, ann.id)).ok).toBe(false);
		expect((await rooms.removeMember(ann, room.id, ann.id)).ok).toBe(false);
		expect((await rooms.removeMember(ann, room.id, bob.id)).ok).toBe(true);
		expect(removed).toEqual([{ roomId: room.id, userId: bob.id }]);
		expect(await rooms.isMember(bob, room.id)).toBe(false);
	});

	it('lets the owner limit steering to drivers, and mark drivers', async () => {
		const room = await rooms.create(ann, { name: 'Ops', visibility: 'private' });
		await rooms.joinByInvite(bob, room.inviteToken!);
		await rooms.joinByInvite(cid, room.inviteToken!);
		expect((await rooms.maySteer(bob, room.id)).ok).toBe(true); // open by default
		expect((await rooms.setSteering(bob, room.id, 'drivers')).ok).toBe(false); // owner only
		const limited = await rooms.setSteering(ann, room.id, 'drivers');
		expect(limited.ok && limited.data.steering).toBe('drivers');
		expect(await rooms.maySteer(bob, room.id)).toMatchObject({
			ok: false,
			error: { code: 'forbidden', message: expect.stringMatching(/drivers/) }
		});
		expect((await rooms.maySteer(ann, room.id)).ok).toBe(true); // the owner always may
		const marked = await rooms.setDriver(ann, room.id, bob.id, true);
		expect(marked.ok && marked.data.members.find((m) => m.id === bob.id)?.driver).toBe(true);
		expect((await rooms.maySteer(bob, room.id)).ok).toBe(true);
		expect((await rooms.maySteer(cid, room.id)).ok).toBe(false);
		expect((await rooms.setDriver(bob, room.id, cid.id, true)).ok).toBe(false);
		expect((await rooms.maySteer({ id: 'zzzzzzzzzzzz' }, room.id)).ok).toBe(false);
	});

	it('lets members leave but not the owner', async () => {
		const room = await rooms.create(ann, { name: 'Public', visibility: 'public' });
		await rooms.join(bob, room.id);
		expect((await rooms.leave(ann, room.id)).ok).toBe(false);
		expect((await rooms.leave(bob, room.id)).ok).toBe(true);
		expect((await rooms.leave(bob, room.id)).ok).toBe(false);
		expect((await rooms.join(bob, room.id)).ok).toBe(true); // leaving by yourself is not a removal
	});

	it('makes removal stick: no rejoining a public room or by the old invite link until the owner adds them back', async () => {
		const pub = await rooms.create(ann, { name: 'Public', visibility: 'public' });
		const priv = await rooms.create(ann, { name: 'Secret', visibility: 'private' });
		await rooms.join(bob, pub.id);
		await rooms.joinByInvite(bob, priv.inviteToken!);
		await rooms.join(cid, pub.id);
		expect((await rooms.removeMember(ann, pub.id, bob.id)).ok).toBe(true);
		expect((await rooms.removeMember(ann, priv.id, bob.id)).ok).toBe(true);

		const removed = { ok: false, error: { code: 'forbidden', message: expect.stringMatching(/removed you/) } };
		expect(await rooms.join(bob, pub.id)).toEqual(removed);
		expect(await rooms.joinByInvite(bob, pub.inviteToken!)).toEqual(removed);
		expect(await rooms.joinByInvite(bob, priv.inviteToken!)).toEqual(removed);
		expect(await rooms.isMember(bob, pub.id)).toBe(false);
		expect(await rooms.isMember(bob, priv.id)).toBe(false);
		expect((await rooms.join(cid, pub.id)).ok).toBe(true); // others are not affected

		const readded = await rooms.inviteByEmail(ann, pub.id, bob.email);
		expect(readded.ok && readded.data.members.map((m) => m.name)).toEqual(['Ann', 'Cid', 'Bob']);
		expect((await rooms.leave(bob, pub.id)).ok).toBe(true);
		expect((await rooms.join(bob, pub.id)).ok).toBe(true); // the owner's re-adding lifted the removal for good
		expect(await rooms.joinByInvite(bob, priv.inviteToken!)).toEqual(removed); // per room
	});
});
