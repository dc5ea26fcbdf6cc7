/** Stylesheets imported for esbuild, which bundles them into dashboard.css. */
declare module '*.css';

/** The dashboard's operations' ids (sha256), by text: defined at build time (tools/pageBundle.ts). */
declare const __DOCUMENT_IDS__: Readonly<Record<string, string>>;
