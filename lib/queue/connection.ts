// SPDX-License-Identifier: MIT
// Redis connections for BullMQ: parsed from a redis:// URL, reconnecting forever with a capped
// back-off (a restarted Redis is rejoined, not fatal), and with maxRetriesPerRequest: null, which
// BullMQ's blocking worker connections require.
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { LangevinError } from '../errors.js';

/** Connection options for BullMQ's `connection` from a redis:// or rediss:// URL. */
export function redisOptions(url: string, field = '--redis'): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LangevinError('E_OPTION', `${field}: expected a redis://host:port URL, received ${JSON.stringify(url.slice(0, 80))}`, field);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new LangevinError('E_OPTION', `${field}: expected a redis:// or rediss:// URL, received protocol ${JSON.stringify(u.protocol)}`, field);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new LangevinError('E_OPTION', `${field}: the database index must be a non-negative integer`, field);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** A plain client (pub/sub for cancellation). */
export function redisClient(url: string): Redis {
  return new Redis(redisOptions(url));
}

/** The queue name must be a BullMQ key part: no ':' (BullMQ refuses it), not empty. */
export function checkQueueName(name: string, field = '--queue'): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(name))
    throw new LangevinError('E_OPTION', `${field}: expected 1–100 characters of [A-Za-z0-9_.-], received ${JSON.stringify(String(name).slice(0, 40))}`, field);
  return name;
}

/** The pub/sub channel on which submitters cancel their runs (message: the run id). */
export function cancelChannel(queue: string): string {
  return `langevin:${queue}:cancel`;
}
