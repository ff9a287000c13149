/**
 * Collects uncaught exceptions and unhandled rejections while installed, so a test can assert that a fault did not
 * escape (vitest would otherwise only report them after the file). `stop()` removes the listeners.
 */
export function captureUncaught() {
	const errors: unknown[] = [];
	const collect = (err: unknown) => errors.push(err);
	process.on('uncaughtException', collect);
	process.on('unhandledRejection', collect);
	return {
		errors,
		stop() {
			process.off('uncaughtException', collect);
			process.off('unhandledRejection', collect);
		}
	};
}
