import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toErrorAnswer } from '../errors/http-error.filter';
import { CsrfRefusedError, RedirectTo, SignInFailedError, SignInRequiredError } from './page-errors';
import { safeReturnPath, type PageRequest } from './page-session';

interface ErrorPage {
  title: string;
  body: string[];
}

/**
 * Errors on the pages, as pages. The status is the one the API would give for the same error
 * (the API's one mapping, toErrorAnswer), so a journey someone may not see is a 404 here too; only
 * the words change, to say in plain English what happened and what to do.
 */
@Catch()
export class PageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<PageRequest>();
    const response = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof SignInRequiredError) {
      if (request.session) request.session.returnTo = safeReturnPath(exception.returnTo);
      response.redirect('/app/sign-in', 303);
      return;
    }
    if (exception instanceof RedirectTo) {
      response.redirect(exception.location, 303);
      return;
    }
    const status = statusOf(exception);
    if (status >= 500)
      this.logger.error(`${status} on a page: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    if (response.sent) {
      response.raw.end();
      return;
    }
    response.status(status).view('error', { ...pageFor(exception, status), status });
  }
}

function statusOf(exception: unknown): number {
  if (exception instanceof CsrfRefusedError) return 403;
  if (exception instanceof SignInFailedError) return 401;
  return toErrorAnswer(exception).status;
}

function pageFor(exception: unknown, status: number): ErrorPage {
  if (exception instanceof CsrfRefusedError) {
    return {
      title: 'Your form could not be sent',
      body: ['This can happen if you signed out, or left the page open for a long time.', 'Go back to the page, reload it and try again.'],
    };
  }
  if (exception instanceof SignInFailedError) {
    return { title: 'You could not be signed in', body: [exception.message, 'Try signing in again.'] };
  }
  switch (status) {
    case 400:
      return { title: 'There is a problem with the address', body: ['Check the link or the address you typed.'] };
    case 403:
      return { title: 'You cannot do that', body: [messageOf(exception)] };
    case 404:
      return {
        title: 'Page not found',
        body: ['If you typed the web address, check it is correct.', 'If you followed a link to a journey, you may not have access to it.'],
      };
    case 422:
      return { title: 'This record cannot be shown', body: [messageOf(exception)] };
    case 503:
      return { title: 'Sorry, the service is unavailable', body: ['Try again in a few minutes. Nothing you did has been lost.'] };
    default:
      return { title: 'Sorry, there is a problem with the service', body: ['Try again later.'] };
  }
}

function messageOf(exception: unknown): string {
  const message = toErrorAnswer(exception).message;
  return message.charAt(0).toUpperCase() + message.slice(1) + (message.endsWith('.') ? '' : '.');
}
