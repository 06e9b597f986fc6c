/**
 * Snypto's Redis connections (event fan-out, presence, shared writes), made
 * one way: a command waits through at most two reconnection attempts before
 * it fails, and connection errors are reported, never thrown at the process.
 */
import { Redis } from 'ioredis';

export function connectRedis(url: string, onError: ((error: Error) => void) | undefined): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 2 });
  client.on('error', (error: Error) => onError?.(error));
  return client;
}
