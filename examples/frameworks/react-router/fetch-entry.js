// The built server as a fetch-style handler for Narwhal: `narwhal fetch-entry.js`.
import { createRequestHandler } from 'react-router';
import * as build from './build/server/index.js';

export default createRequestHandler(build, 'production');
