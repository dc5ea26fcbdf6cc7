import { statementCount } from './countStatements';
import { answerStats } from './serverStats';
import '../gateway/index';

/**
 * The gateway as the bench runs it: `gateway/index.ts` unchanged, plus its CPU time and the
 * statement count of ./countStatements.ts reported to the bench over IPC (./serverStats.ts).
 */
answerStats(statementCount);
