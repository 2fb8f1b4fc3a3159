import { handler } from '../../lambda/health/handler';

describe('health handler', () => {
  it('answers 200, uncacheable, with the Region', async () => {
    process.env.AWS_REGION = 'eu-west-3';
    const res = await handler();
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(JSON.parse(res.body)).toEqual({ status: 'ok', region: 'eu-west-3' });
  });
});
