import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** A form submission: who sent it and its fields. */
export interface Form {
  email_address: string;
  fields: Record<string, string | number | boolean>;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Validates a POSTed form. A bad one becomes a 400 `BadRequestException`, which the module's
 * global errors filter counts in `messages_errors{exception="BadRequestException"}`.
 */
@Injectable()
export class FormPipe implements PipeTransform<unknown, Form> {
  transform(body: unknown): Form {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException('the body must be a JSON object');
    }
    const { email_address: email, fields = {} } = body as Partial<Form>;
    if (typeof email !== 'string' || !EMAIL.test(email)) {
      throw new BadRequestException('email_address must be an email address');
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new BadRequestException('fields must be an object');
    }
    for (const [key, value] of Object.entries(fields)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new BadRequestException(`fields.${key} must be a string, number or boolean`);
      }
    }
    return { email_address: email, fields };
  }
}
