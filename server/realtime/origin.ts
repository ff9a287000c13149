import type { IncomingMessage } from 'node:http';

export interface OriginPolicy {
	/** ORIGIN: the public origin (scheme://host[:port]). */
	origin?: string;
	/** HOST: the address the server listens on; a name here is trusted as a Host header when ORIGIN is unset. */
	host?: string;
}

/** The serialised origin (scheme, host, port) of a URL, or null when it has none. */
function originOf(url: string): string | null {
	try {
		const parsed = new URL(url);
		return parsed.origin === 'null' ? null : parsed.origin;
	} catch {
		return null;
	}
}

/**
 * Names a DNS-rebinding page cannot send as its Host: an attacker's page at http://evil.example:3000 whose name
 * resolves to this server sends "Host: evil.example:3000" and a matching Origin, so matching the two proves nothing
 * unless the name is one the attacker cannot own: an IP literal, localhost (browsers resolve *.localhost to loopback
 * themselves) or the HOST the server was told to listen on.
 */
function rebindingSafeHostname(hostname: string, configuredHost?: string): boolean {
	const name = hostname.toLowerCase();
	if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.startsWith('[')) return true; // WHATWG URL normalises IPv4/IPv6
	if (name === 'localhost' || name.endsWith('.localhost')) return true;
	const host = configuredHost?.toLowerCase();
	return !!host && host !== '0.0.0.0' && host !== '::' && name === host;
}

/**
 * Sockets authenticate by cookie, so a cross-site page must not be able to open one (CSRF over WebSocket). A request
 * without Origin is a non-browser client. With ORIGIN set, the Origin must be exactly that origin (scheme, host and
 * port), as for REST writes. Without it, the Origin must be the server's own — the connection's scheme and the Host
 * header — and the Host a name DNS rebinding cannot fake (rebindingSafeHostname); any other name needs ORIGIN.
 */
export function isAllowedOrigin(req: IncomingMessage, policy: OriginPolicy = {}): boolean {
	const header = req.headers.origin;
	if (!header) return true;
	const presented = originOf(header);
	if (!presented) return false;
	if (policy.origin) return presented === originOf(policy.origin);
	const host = req.headers.host;
	if (!host) return false;
	const scheme = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
	const own = originOf(`${scheme}://${host}`);
	return own !== null && presented === own && rebindingSafeHostname(new URL(own).hostname, policy.host);
}
