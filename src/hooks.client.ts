import { z } from 'zod';

// The page's CSP (svelte.config.js) forbids eval: zod must not try `new Function` for its fast path (the attempt
// alone is reported as a CSP violation). Set before any schema is built; hooks load before the pages' modules.
z.config({ jitless: true });
