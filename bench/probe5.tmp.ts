import { cpuDelta, startBenchApi } from './support/api-harness';
import { signUp, uploadThroughSidestep } from './support/flows';
import { HttpClient } from './support/http-client';
import { KiB, photoOfSize } from './support/photos';
async function main() {
  const small = await photoOfSize(100 * KiB);
  const api = await startBenchApi();
  const client = new HttpClient(api.url, 1);
  const storage = new HttpClient(api.s3Endpoint, 1);
  const token = await signUp(client, 'probe');
  for (let i = 0; i < 100; i++) await uploadThroughSidestep(client, storage, token, small);
  for (let r = 0; r < 3; r++) {
    const before = await api.stats();
    for (let i = 0; i < 200; i++) await uploadThroughSidestep(client, storage, token, small);
    const after = await api.stats();
    console.log('sidestep warm', (cpuDelta(before, after) / 200 / 1000).toFixed(2), 'ms');
  }
  client.destroy(); storage.destroy(); await api.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
