// Vite plugin for `vite dev` / `vite preview`. Plain JS so Vite's config loader does not bundle server/ into the
// config: the server code is loaded through tsx, the same loader production uses.
import { tsImport } from 'tsx/esm/api';

/** @returns {import('vite').Plugin} */
export function switchyardDevServer() {
	/** @param {import('vite').ViteDevServer | import('vite').PreviewServer} server */
	async function attach(server) {
		if (!server.httpServer) return; // middleware mode: the embedding server attaches Socket.IO itself
		/** @type {typeof import('./dev-attach')} */
		const { attachToViteServer } = await tsImport('./dev-attach.ts', import.meta.url);
		await attachToViteServer(/** @type {import('node:http').Server} */ (server.httpServer), server.config.server.port ?? 5173);
	}
	return { name: 'switchyard-dev-server', configureServer: attach, configurePreviewServer: attach };
}
