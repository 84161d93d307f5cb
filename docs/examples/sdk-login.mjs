// Sign in to Proofline with the unmodified ForgeRock JavaScript SDK (Node 20+ or a browser).
// Usage: BASE_URL=http://127.0.0.1:8080/ USERNAME=ada PASSWORD='Secret-Passw0rd' node docs/examples/sdk-login.mjs
import { CallbackType, Config, FRAuth, StepType } from '@forgerock/javascript-sdk';

Config.set({
  serverConfig: { baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8080/', timeout: 10000 },
  realmPath: 'alpha',
});

let step = await FRAuth.next(undefined, { tree: 'Login' });
while (step.type === StepType.Step) {
  for (const callback of step.callbacks) {
    const type = callback.getType();
    if (type === CallbackType.ValidatedCreateUsernameCallback || type === CallbackType.NameCallback) {
      callback.setInputValue(process.env.USERNAME);
    } else if (
      type === CallbackType.ValidatedCreatePasswordCallback ||
      type === CallbackType.PasswordCallback
    ) {
      callback.setInputValue(process.env.PASSWORD);
    } else if (type === CallbackType.TextOutputCallback) {
      console.log(callback.getMessage());
    }
  }
  step = await FRAuth.next(step, { tree: 'Login' });
}

if (step.type === StepType.LoginSuccess) {
  console.log(`Signed in; session token ${step.getSessionToken().slice(0, 8)}…`);
} else {
  console.log(`Login failed: ${step.getMessage()}`);
  process.exitCode = 1;
}
