import { awsEnvironment } from '../local-env.js';

// Every AWS client in the code takes its endpoint from these variables, so the same tests
// run against the host-run emulators here and a Docker LocalStack elsewhere.
Object.assign(process.env, awsEnvironment());
