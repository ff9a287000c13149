// One colour per person, the same for everyone: avatars, remote cursors and selections use it.

/** A stable hue (0–359) from a name. */
export function nameHue(name: string): number {
	return [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
}

/** `#rrggbb` for a hue at the given saturation and lightness (0–100). */
export function hslHex(h: number, s: number, l: number): string {
	const sat = s / 100;
	const light = l / 100;
	const a = sat * Math.min(light, 1 - light);
	const channel = (n: number) => {
		const k = (n + h / 30) % 12;
		const v = light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
		return Math.round(v * 255)
			.toString(16)
			.padStart(2, '0');
	};
	return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** A person's cursor colour and the lighter tint of their selection. */
export function userColors(name: string): { color: string; colorLight: string } {
	const hue = nameHue(name);
	return { color: hslHex(hue, 65, 45), colorLight: `${hslHex(hue, 65, 45)}33` };
}
