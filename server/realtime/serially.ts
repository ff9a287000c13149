/**
 * Runs the tasks given to it one after another, each once the previous one settled (fulfilled or not), and resolves
 * each with its own task's outcome. For async handlers whose messages must not overtake each other.
 */
export function serially() {
	let previous: Promise<unknown> = Promise.resolve();
	return <T>(task: () => Promise<T>): Promise<T> => {
		const run = previous.then(task, task);
		previous = run.catch(() => {});
		return run;
	};
}
