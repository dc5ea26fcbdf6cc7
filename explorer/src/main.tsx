import 'graphiql/style.css';
import './explorer.css';
import { useEditorContext, usePluginStore, type GraphiQLPlugin } from '@graphiql/react';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { createContext, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { EXAMPLES, PERSONAS, type Example, type Persona } from './examples';
import { operationNameFor, readClaims, requestHeaders, type Credentials, type DevTokens } from './request';

/** The gateway's endpoint, beside this page's folder (`/explorer/` → `/graphql`), so a proxy's path prefix is kept. */
const GRAPHQL_URL = new URL('../graphql', window.location.href).toString();

const WELCOME = `# Liên Thông — GraphQL explorer
#
# Pick an example on the left (Examples), paste a token and a purpose there, and run it
# (Ctrl-Enter or ▶). Public data needs no token. The schema's documentation is under the book icon.

query Units {
  provinces { code name }
}
`;

interface ExplorerState extends Credentials {
  setToken(token: string): void;
  setPurpose(purpose: string): void;
  devTokens: DevTokens['tokens'];
}

const ExplorerContext = createContext<ExplorerState | null>(null);

function useExplorer(): ExplorerState {
  const state = useContext(ExplorerContext);
  if (!state) throw new Error('Explorer state missing');
  return state;
}

/** Each request of the page (the schema's introspection too): POST JSON to the same origin. */
function createFetcher(credentials: () => Credentials): GraphiQLProps['fetcher'] {
  return async (params, opts) => {
    const response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: requestHeaders(credentials(), opts?.headers),
      body: JSON.stringify({
        query: params.query,
        variables: params.variables ?? undefined,
        operationName: operationNameFor(params.query, params.operationName),
      }),
    });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${response.status}: not a GraphQL response`, extensions: { body: text.slice(0, 200) } }] };
    }
  };
}

function variablesFor(example: Example, token: string): string {
  const variables: Record<string, unknown> = { ...example.variables };
  const claims = readClaims(token);
  for (const [name, claim] of Object.entries(example.variablesFromToken ?? {})) {
    variables[name] = claims?.[claim] ?? `<your ${claim} claim: paste your token first>`;
  }
  return Object.keys(variables).length > 0 ? JSON.stringify(variables, null, 2) : '';
}

function devTokenFor(devTokens: DevTokens['tokens'], persona: Persona): string | undefined {
  return devTokens.find(({ token }) => (readClaims(token)?.role ?? 'PUBLIC') === persona)?.token;
}

function ExamplesPanel() {
  const editor = useEditorContext({ nonNull: true });
  const explorer = useExplorer();
  const pending = useRef<Example | null>(null);
  const claims = readClaims(explorer.token);

  const fill = (example: Example, token: string) => {
    editor.queryEditor?.setValue(example.query);
    editor.variableEditor?.setValue(variablesFor(example, token));
  };
  // A new tab's editors exist once GraphiQL has switched to it: fill them then.
  useEffect(() => {
    const example = pending.current;
    if (!example) return;
    pending.current = null;
    fill(example, explorer.token);
  });

  // A token pasted after opening an example fills the variables it provides (a citizen's own id).
  useEffect(() => {
    const query = editor.queryEditor?.getValue();
    const example = EXAMPLES.find((e) => e.variablesFromToken && e.query === query);
    if (example) editor.variableEditor?.setValue(variablesFor(example, explorer.token));
  }, [explorer.token]); // only when the token changes

  const open = (example: Example) => {
    let token = explorer.token;
    // In development, switch to the persona's demo token unless the user pasted one of their own.
    const devToken = devTokenFor(explorer.devTokens, example.persona);
    const pastedOwn = token.trim() !== '' && !explorer.devTokens.some((d) => d.token === token);
    if (!pastedOwn && (devToken || example.persona === 'PUBLIC')) {
      token = devToken ?? '';
      explorer.setToken(token);
    }
    const current = (editor.queryEditor?.getValue() ?? '').replace(/#.*$/gm, '').trim();
    if (current === '' || current === WELCOME.replace(/#.*$/gm, '').trim()) {
      fill(example, token);
    } else {
      pending.current = example;
      editor.addTab();
    }
  };

  return (
    <div className="lt-panel">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <section className="lt-credentials" aria-label="Credentials">
        <label>
          Token <span className="lt-hint">sent as Authorization: Bearer …</span>
          <textarea
            name="token"
            rows={3}
            spellCheck={false}
            autoComplete="off"
            placeholder="Paste a token (JWT)"
            value={explorer.token}
            onChange={(e) => explorer.setToken(e.target.value)}
          />
        </label>
        {claims ? (
          <p className="lt-claims" data-testid="claims">
            {claims.role ?? 'no role'}
            {claims.commune ? ` · commune ${claims.commune}` : ''}
            {claims.province ? ` · province ${claims.province}` : ''}
            {claims.sub ? ` · ${claims.sub}` : ''}
            {claims.exp ? ` · expires ${new Date(claims.exp * 1000).toLocaleString()}` : ''}
          </p>
        ) : explorer.token.trim() ? (
          <p className="lt-claims lt-warning">Not a JWT</p>
        ) : null}
        {explorer.devTokens.length > 0 ? (
          <label>
            Development tokens <span className="lt-hint">(npm start, generated keys only)</span>
            <select
              name="devToken"
              value={explorer.devTokens.some((d) => d.token === explorer.token) ? explorer.token : ''}
              onChange={(e) => explorer.setToken(e.target.value)}
            >
              <option value="">— none —</option>
              {explorer.devTokens.map((d) => (
                <option key={d.persona} value={d.token}>
                  {d.persona}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          Purpose <span className="lt-hint">sent as X-Purpose: the case or dossier reference</span>
          <input
            name="purpose"
            type="text"
            autoComplete="off"
            placeholder="HS-2026-000123"
            value={explorer.purpose}
            onChange={(e) => explorer.setPurpose(e.target.value)}
          />
        </label>
        <p className="lt-hint">Kept in this page only (never stored). A header set in the Headers editor overrides these.</p>
      </section>
      {PERSONAS.map((persona) => (
        <section key={persona.id} className="lt-persona">
          <h3>{persona.label}</h3>
          <p className="lt-hint">Needs {persona.needs}.</p>
          <ul>
            {EXAMPLES.filter((e) => e.persona === persona.id).map((example) => (
              <li key={example.name}>
                <button type="button" className="lt-example" data-example={example.name} onClick={() => open(example)}>
                  {example.name}
                </button>
                <span>{example.description}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function ExamplesIcon() {
  return (
    <svg height="1em" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <rect x="3.75" y="3.75" width="16.5" height="16.5" rx="2" />
      <path d="M7.5 8.25h9M7.5 12h9M7.5 15.75h5.25" strokeLinecap="round" />
    </svg>
  );
}

const EXAMPLES_PLUGIN: GraphiQLPlugin = { title: 'Examples', icon: ExamplesIcon, content: ExamplesPanel };
const PLUGINS = [EXAMPLES_PLUGIN];

/**
 * Opens the Examples pane once, when GraphiQL has registered its plugins. GraphiQL 4 applies its
 * `visiblePlugin` prop only after its first render, when the pane has already been laid out
 * hidden; its own sidebar button both selects the plugin and shows the pane.
 */
function OpenExamplesOnStart() {
  const registered = usePluginStore((store) => store.plugins.includes(EXAMPLES_PLUGIN));
  const opened = useRef(false);
  useEffect(() => {
    if (!registered || opened.current) return;
    opened.current = true;
    document.querySelector<HTMLButtonElement>(`.graphiql-sidebar button[aria-label="Show ${EXAMPLES_PLUGIN.title}"]`)?.click();
  }, [registered]);
  return null;
}

function Explorer() {
  const [token, setToken] = useState('');
  const [purpose, setPurpose] = useState('');
  const [devTokens, setDevTokens] = useState<DevTokens['tokens']>([]);
  const credentials = useRef<Credentials>({ token, purpose });
  credentials.current = { token, purpose };
  const fetcher = useMemo(() => createFetcher(() => credentials.current), []);

  useEffect(() => {
    fetch('dev-tokens.json')
      .then((r) => (r.ok ? (r.json() as Promise<DevTokens>) : { tokens: [] }))
      .then((body) => setDevTokens(body.tokens))
      .catch(() => setDevTokens([]));
  }, []);

  const state = useMemo(() => ({ token, purpose, setToken, setPurpose, devTokens }), [token, purpose, devTokens]);
  return (
    <ExplorerContext.Provider value={state}>
      <GraphiQL
        fetcher={fetcher}
        defaultQuery={WELCOME}
        plugins={PLUGINS}
        shouldPersistHeaders={false}
        defaultEditorToolsVisibility="variables"
      >
        <GraphiQL.Logo>
          <OpenExamplesOnStart />
          Liên Thông
        </GraphiQL.Logo>
      </GraphiQL>
    </ExplorerContext.Provider>
  );
}

createRoot(document.getElementById('explorer')!).render(<Explorer />);
