/**
 * Composition root of the engine process: `npm run start:engine`. Reads config once, opens
 * the infrastructure (embedded stand-ins where service URLs are unset), starts the engine,
 * serves `/healthz` and `/readyz` on `PORT`.
 */
import { runProcess } from '../platform/process.js';
import { startEngine } from './engine.service.js';

runProcess('engine', [startEngine]);
