import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ChatMLChatWrapper, GeneralChatWrapper, Llama3_1ChatWrapper, QwenChatWrapper } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestGguf } from '../../tests/helpers/gguf-files';
import { gguf } from './generator/writer';
import { fileCallsFunctions, hasNativeFunctionCalling } from './tool-support';

// A Hermes-style template: tools in the system turn, calls inside <tool_call> tags (what Qwen 2.5 and others ship).
const toolTemplate = [
	'{%- if tools %}<|im_start|>system\n<tools>{{ tools | tojson }}</tools>\nFor each function call, return a json object within <tool_call></tool_call> XML tags<|im_end|>\n{%- endif %}',
	'{%- for message in messages %}{%- if message.role == "assistant" and message.tool_calls %}<|im_start|>assistant\n',
	'{%- for tool_call in message.tool_calls %}<tool_call>\n{"name": "{{ tool_call.function.name }}", "arguments": {{ tool_call.function.arguments | tojson }}}\n</tool_call>{%- endfor %}<|im_end|>\n',
	'{%- elif message.role == "tool" %}<|im_start|>user\n<tool_response>\n{{ message.content }}\n</tool_response><|im_end|>\n',
	'{%- else %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{%- endif %}{%- endfor %}',
	'{%- if add_generation_prompt %}<|im_start|>assistant\n{%- endif %}'
].join('');
const chatmlTemplate =
	"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'sy-tools-'));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe('function calling support', () => {
	it('tells wrappers with a call syntax of their own from the generic fallback', () => {
		expect(hasNativeFunctionCalling(new Llama3_1ChatWrapper())).toBe(true);
		expect(hasNativeFunctionCalling(new QwenChatWrapper())).toBe(true);
		expect(hasNativeFunctionCalling(new ChatMLChatWrapper())).toBe(false);
		expect(hasNativeFunctionCalling(new GeneralChatWrapper())).toBe(false);
	});

	it('derives it from a file’s chat template, reading only its metadata', async () => {
		const withTools = path.join(dir, 'with-tools.gguf');
		await writeTestGguf(withTools, { set: { 'tokenizer.chat_template': gguf.string(toolTemplate) } });
		expect(await fileCallsFunctions(withTools)).toBe(true);
		const plain = path.join(dir, 'plain-chatml.gguf');
		await writeTestGguf(plain, { set: { 'tokenizer.chat_template': gguf.string(chatmlTemplate) } });
		expect(await fileCallsFunctions(plain)).toBe(false);
	});

	it('says no for the generated models and for a file it cannot read', async () => {
		expect(await fileCallsFunctions(path.resolve('models/generated/sy-tiny.gguf'))).toBe(false);
		const broken = path.join(dir, 'broken.gguf');
		await writeFile(broken, 'not a gguf file');
		expect(await fileCallsFunctions(broken)).toBe(false);
		expect(await fileCallsFunctions(path.join(dir, 'absent.gguf'))).toBe(false);
	});
});
