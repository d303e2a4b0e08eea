import { startTestApi, type TestApi } from './support/test-api';

const PAYLOAD = 'token user { id email quota { usedBytes limitBytes } }';
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { ${PAYLOAD} } }`;
const SIGN_IN = `mutation ($input: SignInInput!) { signIn(input: $input) { ${PAYLOAD} } }`;

describe('session payloads', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.stop());

  it('shows the new user its own fields', async () => {
    const email = `payload-${Date.now()}@example.test`;
    const signedUp = await api.gql(SIGN_UP, { input: { email, password: 'correct horse battery', displayName: 'Payload' } });
    expect(signedUp.errors).toBeUndefined();
    expect(signedUp.data!.signUp.user.email).toBe(email);
    expect(signedUp.data!.signUp.user.quota).toMatchObject({ usedBytes: 0 });

    const signedIn = await api.gql(SIGN_IN, { input: { email, password: 'correct horse battery' } });
    expect(signedIn.errors).toBeUndefined();
    expect(signedIn.data!.signIn.user).toMatchObject({ id: signedUp.data!.signUp.user.id, email });
    expect(signedIn.data!.signIn.user.quota).not.toBeNull();
  });

  it('keeps the viewer of a signed-in request', async () => {
    const first = await api.gql(SIGN_UP, { input: { email: `first-${Date.now()}@example.test`, password: 'correct horse battery', displayName: 'First' } });
    const secondEmail = `second-${Date.now()}@example.test`;
    await api.gql(SIGN_UP, { input: { email: secondEmail, password: 'correct horse battery', displayName: 'Second' } });

    // The request stays the first user's, so the second user's email stays hidden.
    const crossed = await api.gql(SIGN_IN, { input: { email: secondEmail, password: 'correct horse battery' } }, first.data!.signUp.token);
    expect(crossed.errors).toBeUndefined();
    expect(crossed.data!.signIn.user.email).toBeNull();
  });
});
