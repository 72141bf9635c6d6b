/** What a tenant name may be (it is part of every data key): the one definition. */
export const tenantPattern = /^[A-Za-z0-9_-]{1,64}$/;
