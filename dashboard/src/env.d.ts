/** Stylesheets imported for esbuild, which bundles them into dashboard.css. */
declare module '*.css';
