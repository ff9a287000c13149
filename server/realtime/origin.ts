import type { IncomingMessage } from 'node:http';

/**
 * Sockets authenticate by cookie, so a cross-site page must not be able to open one (CSRF over WebSocket).
 * A request without Origin is a non-browser client or a same-origin GET; one with Origin must match ORIGIN,
 * or the Host it was sent to when no ORIGIN is configured.
 */
export function isAllowedOrigin(req: IncomingMessage, configuredOrigin?: string): boolean {
	const origin = req.headers.origin;
	if (!origin) return true;
	if (configuredOrigin) return origin === configuredOrigin;
	try {
		return new URL(origin).host === req.headers.host;
	} catch {
		return false;
	}
}
