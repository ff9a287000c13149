/**
 * The request body as text, or null when it is larger than `maxBytes`: refused from Content-Length when declared,
 * otherwise reading stops at the first byte past the limit (an oversize body is never buffered whole).
 */
export async function readTextWithin(request: Request, maxBytes: number): Promise<string | null> {
	if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return null;
	if (!request.body) return '';
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > maxBytes) {
			await reader.cancel();
			return null;
		}
		chunks.push(value);
	}
	const bytes = new Uint8Array(total);
	let at = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, at);
		at += chunk.byteLength;
	}
	return new TextDecoder().decode(bytes);
}
