import type { Page } from 'playwright-core';

/**
 * Signs the page in to the dashboard at `base` as `<role>@example.com` (the users the browser
 * tests create), signing out first whoever is signed in.
 */
export async function signInAs(page: Page, base: string, role: string, password: string): Promise<void> {
  if ((await page.getByRole('button', { name: 'Sign out' }).count()) > 0) await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto(base);
  await page.getByTestId('login').waitFor();
  await page.getByLabel('Email').fill(`${role}@example.com`);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
