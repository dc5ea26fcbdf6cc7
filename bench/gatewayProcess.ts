import { statementCount, statementRecorder } from './countStatements';
import { answerStats } from './serverStats';
import '../gateway/index';

/**
 * The gateway as the bench runs it: `gateway/index.ts` unchanged, plus its CPU time, allocations and
 * the statement count of ./countStatements.ts reported to the bench over IPC (./serverStats.ts), and
 * the statements it sends recorded on request (for the SQL floor, ./floor.ts).
 */
answerStats(statementCount, statementRecorder);
