import { hash, verify } from '@node-rs/argon2';

// Argon2id with OWASP's minimum recommended parameters (19 MiB, 2 iterations).
const options = { memoryCost: 19456, timeCost: 2, outputLen: 32, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
	return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

// Verified against when the email is unknown, so a login takes as long whether or not the account exists.
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
	dummyHash ??= hashPassword('switchyard-timing-equaliser');
	await verifyPassword(await dummyHash, password);
}
