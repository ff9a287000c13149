import type { AppContext } from '../server/app';
import type { PublicUser } from '../server/auth/users.repository';

declare global {
	namespace App {
		interface Locals {
			app: AppContext;
			user: PublicUser | null;
			session: { id: string; expiresAt: number } | null;
		}
		interface Error {
			message: string;
			code?: import('$contract/result').ErrorCode;
		}
	}
}

export {};
