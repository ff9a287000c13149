// Whether a model calls functions, for the router's preference when a run offers tools. A catalogue entry may say
// so (`tools`); otherwise it is what node-llama-cpp makes of the file: the chat wrapper it resolves from the GGUF
// metadata has a function-call syntax of its own (Llama 3.x, Qwen, Mistral, Functionary, a Jinja template with tool
// calls…) rather than only the generic `||call:` fallback every wrapper gets, which models were never trained on.
import path from 'node:path';
import { ChatWrapper, readGgufFileInfo, resolveChatWrapper } from 'node-llama-cpp';

export const hasNativeFunctionCalling = (wrapper: ChatWrapper): boolean =>
	wrapper.settings.functions !== ChatWrapper.defaultSettings.functions;

/**
 * Reads only the file's metadata (never loads it). A file whose metadata cannot be read or whose wrapper cannot be
 * resolved does not call functions.
 */
export async function fileCallsFunctions(file: string): Promise<boolean> {
	try {
		const fileInfo = await readGgufFileInfo(file, { readTensorInfo: false });
		const wrapper = resolveChatWrapper({ fileInfo, filename: path.basename(file), warningLogs: false });
		return wrapper ? hasNativeFunctionCalling(wrapper) : false;
	} catch {
		return false;
	}
}
