import type { ScenarioRow } from './scenarios';

/**
 * The uncached scenarios as a picture: requests per second of each scenario, one bar per setup
 * (one process, separate processes, Hive Gateway, …), so the shapes compare at a glance. A
 * Vega-Lite spec rendered to SVG without a browser.
 */
export async function scenarioChart(rows: readonly ScenarioRow[]): Promise<string> {
  // Both packages are ES modules only.
  const vegaLite = await import('vega-lite');
  const vega = await import('vega');
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Uncached scenarios: requests per second (higher is better)',
    width: 520,
    data: { values: rows.map((r) => ({ scenario: r.scenario, setup: r.setup, rps: Math.round(r.load.requestsPerSecond) })) },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'scenario', type: 'nominal', title: null, sort: null },
      yOffset: { field: 'setup', sort: null },
      x: { field: 'rps', type: 'quantitative', title: 'requests/s' },
      color: { field: 'setup', type: 'nominal', title: 'setup', sort: null },
    },
    config: { font: 'sans-serif', axis: { labelLimit: 260 }, legend: { labelLimit: 320 }, view: { stroke: null } },
  };
  const compiled = vegaLite.compile(spec as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
