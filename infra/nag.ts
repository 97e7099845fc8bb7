// cdk-nag is a CommonJS (jsii) package whose named exports Node's ESM loader cannot detect;
// take them from the default export here, once, and import them from this module.
// Pinned to 2.x: its Aspect + Annotations model lets the infra tests fail on any
// unsuppressed finding per stack, and suppressions land in the template metadata.
import cdkNag from 'cdk-nag';

export const { AwsSolutionsChecks, NagSuppressions } = cdkNag;
