import type { Handle, HandleServerError } from '@sveltejs/kit';
import { appContext } from '$lib/server/context';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '$lib/server/session-cookie';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const handle: Handle = async ({ event, resolve }) => {
	const app = appContext();
	event.locals.app = app;
	event.locals.user = null;
	event.locals.session = null;

	const who = await app.authenticate({
		cookieHeader: event.request.headers.get('cookie'),
		authorization: event.request.headers.get('authorization')
	});
	if (who) {
		event.locals.user = who.user;
		if (who.session) {
			event.locals.session = { id: who.session.id, expiresAt: who.session.expiresAt };
			// Keep the browser's cookie in step with the sliding expiry.
			setSessionCookie(event.cookies, who.session.token, who.session.expiresAt, app.config.secureCookies);
		}
	} else if (event.cookies.get(SESSION_COOKIE)) {
		clearSessionCookie(event.cookies, app.config.secureCookies);
	}

	// Cookie-authenticated JSON writes from another origin are refused (SvelteKit already guards form posts).
	if (who?.via === 'session' && UNSAFE_METHODS.has(event.request.method)) {
		const origin = event.request.headers.get('origin');
		if (origin && origin !== event.url.origin && origin !== app.config.origin) {
			return new Response(JSON.stringify({ code: 'forbidden', message: 'Cross-origin request refused' }), {
				status: 403,
				headers: { 'content-type': 'application/json' }
			});
		}
	}

	const started = performance.now();
	const response = withSecurityHeaders(await resolve(event));
	// One structured line per request (debug; warnings for server errors), with who asked.
	const line = {
		method: event.request.method,
		path: event.url.pathname,
		status: response.status,
		ms: Math.round(performance.now() - started),
		userId: event.locals.user?.id
	};
	if (response.status >= 500) app.logger.warn(line, 'request failed');
	else app.logger.debug(line, 'request');
	return response;
};

// On every response (pages also get the CSP from svelte.config.js, which forbids framing with frame-ancestors).
const SECURITY_HEADERS: Record<string, string> = {
	'x-content-type-options': 'nosniff',
	// Room and invite URLs carry ids and tokens: other sites (links in model output) learn nothing, not even our host.
	'referrer-policy': 'same-origin',
	'x-frame-options': 'DENY' // frame-ancestors for browsers without CSP 2, and for non-page responses
};

function withSecurityHeaders(response: Response): Response {
	try {
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
		return response;
	} catch {
		// Some responses (e.g. a fetched one passed through) have immutable headers: copy them.
		const copy = new Response(response.body, response);
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) copy.headers.set(name, value);
		return copy;
	}
}

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	if (status >= 500) {
		try {
			appContext().logger.error({ err: error, path: event.url.pathname }, 'request failed');
		} catch {
			console.error(error);
		}
	}
	return status >= 500
		? { message: 'Something went wrong on the server', code: 'internal' }
		: { message, code: status === 404 ? 'not_found' : 'bad_request' };
};
