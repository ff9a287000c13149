// What the soak process's event loop went through per latency window (tests/soak/soak.ts): its delay (p99 and max,
// from perf_hooks' monitorEventLoopDelay) and garbage-collection pauses (total and longest, from 'gc' performance
// entries). Neither stalls anything. Printed beside the delivery p99 per window, they tell a drift caused by a
// busier or pausing server from one that is not.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface LoopHealthWindows {
	eventLoopDelayP99ByWindowMs: number[];
	eventLoopDelayMaxByWindowMs: number[];
	gcPauseTotalByWindowMs: number[];
	gcPauseMaxByWindowMs: number[];
}

const ms = (ns: number) => Math.round(ns / 1e5) / 10;
const round = (n: number) => Math.round(n * 10) / 10;

/** Starts measuring at `from` (epoch ms), one window every `windowMs`, until `stop()`. */
export function watchLoopHealth(from: number, windowMs: number) {
	const out: LoopHealthWindows = {
		eventLoopDelayP99ByWindowMs: [],
		eventLoopDelayMaxByWindowMs: [],
		gcPauseTotalByWindowMs: [],
		gcPauseMaxByWindowMs: []
	};
	const delay = monitorEventLoopDelay({ resolution: 10 });
	let gcTotal = 0;
	let gcMax = 0;
	const gcObserver = new PerformanceObserver((list) => {
		if (Date.now() < from) return;
		for (const entry of list.getEntries()) {
			gcTotal += entry.duration;
			gcMax = Math.max(gcMax, entry.duration);
		}
	});
	gcObserver.observe({ entryTypes: ['gc'] });
	const closeWindow = () => {
		out.eventLoopDelayP99ByWindowMs.push(ms(delay.percentile(99)));
		out.eventLoopDelayMaxByWindowMs.push(ms(delay.max));
		out.gcPauseTotalByWindowMs.push(round(gcTotal));
		out.gcPauseMaxByWindowMs.push(round(gcMax));
		delay.reset();
		gcTotal = gcMax = 0;
	};
	let interval: ReturnType<typeof setInterval> | undefined;
	const start = setTimeout(
		() => {
			delay.reset();
			gcTotal = gcMax = 0;
			delay.enable();
			interval = setInterval(closeWindow, windowMs);
		},
		Math.max(0, from - Date.now())
	);
	return {
		/** Stops; a last partial window counts if it is at least half a window long. */
		stop(): LoopHealthWindows {
			clearTimeout(start);
			clearInterval(interval);
			if (interval && Date.now() - from - out.gcPauseMaxByWindowMs.length * windowMs >= windowMs / 2) closeWindow();
			delay.disable();
			gcObserver.disconnect();
			return out;
		}
	};
}
