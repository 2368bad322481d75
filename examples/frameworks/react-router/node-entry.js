// The built server as a node-style (req, res) listener for Narwhal: `narwhal node-entry.js`.
import { createRequestListener } from '@react-router/node';
import * as build from './build/server/index.js';

export default createRequestListener({ build, mode: 'production' });
