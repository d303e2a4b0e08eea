// Renders the PWA icons in client/public/icons from the SVG sources in client/icons.
// Run once after changing an SVG: node client/scripts/generate-icons.mjs
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const clientDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(clientDir, 'icons');
const outputDir = join(clientDir, 'public', 'icons');

const renders = [
  { source: 'icon.svg', output: 'icon-192.png', size: 192 },
  { source: 'icon.svg', output: 'icon-512.png', size: 512 },
  { source: 'icon-maskable.svg', output: 'icon-maskable-512.png', size: 512 },
  // iOS rounds the corners itself, so the apple-touch icon uses the full-bleed variant.
  { source: 'icon-maskable.svg', output: 'apple-touch-icon.png', size: 180 },
];

await mkdir(outputDir, { recursive: true });

for (const { source, output, size } of renders) {
  const target = join(outputDir, output);
  // Render at 4 × 72 dpi density so that the 512-pixel source stays sharp when scaled.
  const info = await sharp(join(sourceDir, source), { density: 288 })
    .resize(size, size)
    .png({ palette: true, compressionLevel: 9 })
    .toFile(target);
  console.log(`${output}: ${info.width}×${info.height}, ${info.size} bytes`);
}

await copyFile(join(sourceDir, 'icon.svg'), join(outputDir, 'icon.svg'));
console.log('icon.svg: copied for the favicon');
