import { onStopSignal } from '../shared/http/gracefulShutdown';
import { startGateway } from './main';

/** `npm start`: the gateway configured by the environment (see main.ts); SIGTERM stops it gracefully. */
startGateway(process.env)
  .then((gateway) => onStopSignal((signal) => gateway.stop(signal)))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
