// What the executor asks of a loaded model that never changes for it: remembered per model (weakly, so an unloaded
// model's entries go with it) instead of asked of llama.cpp per token or per run.
import { GeneralChatWrapper, resolveChatWrapper, type ChatWrapper, type LlamaGrammar, type LlamaModel, type Token } from 'node-llama-cpp';
import type { GrammarSource } from './structured';

// End-of-generation is asked of llama.cpp per token; the answer never changes for a model, so remember it.
const eogCache = new WeakMap<LlamaModel, Map<Token, boolean>>();
export function isEndOfGeneration(model: LlamaModel, token: Token): boolean {
	let cache = eogCache.get(model);
	if (!cache) eogCache.set(model, (cache = new Map()));
	let eog = cache.get(token);
	if (eog === undefined) cache.set(token, (eog = model.isEogToken(token)));
	return eog;
}

const MAX_GRAMMARS_PER_MODEL = 64;
const grammars = new WeakMap<LlamaModel, Map<string, Promise<LlamaGrammar>>>();
export function grammarFor(model: LlamaModel, source: GrammarSource): Promise<LlamaGrammar> {
	const key = JSON.stringify(source);
	let perModel = grammars.get(model);
	if (!perModel) grammars.set(model, (perModel = new Map()));
	let grammar = perModel.get(key);
	if (!grammar) {
		if (perModel.size >= MAX_GRAMMARS_PER_MODEL) perModel.clear(); // schemas come from API callers: bound the cache
		grammar =
			'gbnf' in source
				? model.llama.createGrammar({ grammar: source.gbnf })
				: (model.llama.createGrammarForJsonSchema(source.jsonSchema as never) as Promise<LlamaGrammar>);
		perModel.set(key, grammar);
		grammar.catch(() => perModel.delete(key));
	}
	return grammar;
}

// Resolving the chat wrapper from a model's Jinja template takes ~1 s; do it once per loaded model, not per run.
const chatWrappers = new WeakMap<LlamaModel, ChatWrapper>();
export function chatWrapperFor(model: LlamaModel): ChatWrapper {
	let wrapper = chatWrappers.get(model);
	if (!wrapper) {
		wrapper = resolveChatWrapper(model) ?? new GeneralChatWrapper();
		chatWrappers.set(model, wrapper);
	}
	return wrapper;
}
