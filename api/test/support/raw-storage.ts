import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestApi } from './test-api';

/**
 * Writes bytes straight into the test bucket, bypassing grants. It stands in
 * for a store that does not enforce what a grant signed, so the tests can
 * check that confirm verifies the bytes on its own.
 */
export async function putRaw(api: TestApi, key: string, body: Buffer, contentType = 'application/octet-stream'): Promise<void> {
  const { s3 } = api.sidestep.config;
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ContentType: contentType }));
  } finally {
    client.destroy();
  }
}
