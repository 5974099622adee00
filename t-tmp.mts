import { z } from 'zod';
class CE { specversion='1.0'; id='1'; source='s'; type='t'; data={a:1} }
console.log(z.looseObject({ specversion: z.string(), id: z.string() }).safeParse(new CE()).success);
console.log(z.object({ specversion: z.string() }).safeParse(Object.create(null, { specversion: { value: '1.0', enumerable: true } })).success);
