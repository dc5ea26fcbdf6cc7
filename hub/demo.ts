import type { DataSource } from 'typeorm';
import type { Config } from '../shared/config';
import { mintDevToken, type TokenClaims } from '../shared/auth/devTokens';
import type { DevKeys } from '../shared/auth/keys';
import type { SubgraphModule } from '../shared/subgraph';

/** The officials of the demo banner: a commune (Phường Ba Đình), a province (Hà Nội), a ministry. */
const OFFICIALS: [string, TokenClaims][] = [
  [
    'commune officer, Phường Ba Đình (00004)',
    // With the commune's province (optional claim): their queries read Hà Nội's partitions only.
    { role: 'COMMUNE_OFFICER', sub: 'officer-badinh-1', org: 'UBND phường Ba Đình', commune: '00004', province: '01' },
  ],
  [
    'provincial officer, Hà Nội (01)',
    { role: 'PROVINCE_OFFICER', sub: 'land-office-hanoi-1', org: 'Văn phòng đăng ký đất đai Hà Nội', province: '01' },
  ],
  ['central / ministry', { role: 'CENTRAL', sub: 'ministry-1', org: 'Bộ Công an' }],
];

/**
 * One ready-to-use token per persona, for the banner of `npm start`: the officials, each subject
 * a subgraph offers from its data (a citizen), and the public.
 */
export async function demoTokens(
  dev: DevKeys,
  config: Config,
  /** The hosted subgraphs and their database (embedded): each may offer a subject (a citizen). */
  hosted?: { db: DataSource; subgraphs: readonly SubgraphModule[] },
): Promise<Record<string, string>> {
  const personas: [string, TokenClaims][] = [...OFFICIALS];
  if (hosted) {
    for (const s of hosted.subgraphs) {
      const subject = await s.demoSubject?.(hosted.db);
      if (subject) personas.push([subject.label, { role: subject.role, sub: subject.sub }]);
    }
  }
  personas.push(['public / developer', { role: 'PUBLIC', sub: 'developer-1' }]);
  const tokens: Record<string, string> = {};
  for (const [label, claims] of personas) tokens[label] = await mintDevToken(dev.issuerPrivateJwk, config, claims);
  return tokens;
}
