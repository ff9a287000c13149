import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';
import { switchyardDevServer } from './server/dev-plugin.js';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit(), switchyardDevServer()]
});
