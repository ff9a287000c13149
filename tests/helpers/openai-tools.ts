/** The function the /v1 tool-call tests offer (OpenAI's shape): bounded so the tiny models' calls stay short. */
export const weatherTool = {
	type: 'function' as const,
	function: {
		name: 'get_weather',
		description: 'Weather for a city',
		parameters: {
			type: 'object',
			properties: { city: { type: 'string', maxLength: 20 }, unit: { enum: ['c', 'f'] } },
			required: ['city', 'unit']
		}
	}
};
