import { z } from 'zod';
import type { Role } from './admin';

/** A user as the API shows them (never the password hash). */
export interface PublicUser {
	id: string;
	email: string;
	name: string;
	role: Role;
}

export const signupSchema = z.object({
	email: z
		.email('Enter a valid email')
		.max(254)
		.transform((e) => e.toLowerCase()),
	password: z.string().min(8, 'At least 8 characters').max(256, 'At most 256 characters'),
	name: z.string().trim().min(1, 'Tell us your name').max(60, 'At most 60 characters')
});

export const loginSchema = z.object({
	email: z
		.email('Enter a valid email')
		.max(254)
		.transform((e) => e.toLowerCase()),
	password: z.string().min(1, 'Enter your password').max(256)
});

export const createApiKeySchema = z.object({ name: z.string().trim().min(1).max(60).default('default') });
