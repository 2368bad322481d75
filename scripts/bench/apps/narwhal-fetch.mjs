// The hello app as a fetch-style Narwhal app (served by `narwhal` in the bench).
import { fetchHello } from './hello.mjs';

export default { fetch: fetchHello };
