import { describe, expect, test } from 'vitest';
import { ApprovalAttention, approvalText, type AttentionHost, type NotifyPermission } from './approval-attention.svelte';

function host(permission: NotifyPermission = 'granted') {
	const sent: string[] = [];
	let listener = () => {};
	const state = { hidden: false, permission };
	const h: AttentionHost = {
		hidden: () => state.hidden,
		onVisibilityChange: (l) => ((listener = l), () => (listener = () => {})),
		permission: () => state.permission,
		requestPermission: async () => (state.permission = 'granted'),
		notify: (title, body) => sent.push(`${title}: ${body}`)
	};
	return { h, sent, state, switchTab: (hidden: boolean) => ((state.hidden = hidden), listener()) };
}

const pending = { runId: 'r1', askedBy: 'Ann', modelId: 'sy-code', reasons: ['code task', 'fits in memory', 'third'] };

describe('ApprovalAttention', () => {
	test('badges the title and notifies once per waiting run, only while the page is hidden', () => {
		const { h, sent, switchTab } = host();
		const a = new ApprovalAttention(h);
		a.update(pending);
		expect(a.title('Room')).toBe('Room');
		expect(sent).toEqual([]);
		switchTab(true);
		expect(a.title('Room')).toBe('(!) Approval needed · Room');
		expect(sent).toEqual(['Approval needed: Ann asked; the router proposes sy-code (code task; fits in memory).']);
		a.update({ ...pending }); // the same run again (another event): no second notification
		switchTab(false);
		switchTab(true);
		expect(sent).toHaveLength(1);
		a.update(null);
		expect(a.title('Room')).toBe('Room');
	});

	test('notifies nobody who has not allowed it; allowing it takes a request', async () => {
		const { h, sent, switchTab } = host('default');
		const a = new ApprovalAttention(h);
		switchTab(true);
		a.update(pending);
		expect(sent).toEqual([]);
		expect(a.title('Room')).toMatch(/^\(!\)/);
		await a.enableNotifications();
		expect(a.permission).toBe('granted');
		a.update({ ...pending, runId: 'r2' });
		expect(sent).toHaveLength(1);
		expect(approvalText({ ...pending, reasons: [] })).toBe('Ann asked; the router proposes sy-code.');
	});
});
