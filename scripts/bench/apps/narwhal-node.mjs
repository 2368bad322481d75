// The hello app as a node-style Narwhal app (served by `narwhal` in the bench).
import { nodeHello } from './hello.mjs';

export default nodeHello;
