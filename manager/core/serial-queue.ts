/** Runs async jobs one at a time, in submission order. A failing job does not stop the ones after it. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()
  #pending = 0

  run<T>(job: () => Promise<T>): Promise<T> {
    this.#pending++
    const result = this.#tail.then(job).finally(() => {
      this.#pending--
    })
    this.#tail = result.catch(() => undefined)
    return result
  }

  get pending(): number {
    return this.#pending
  }

  /** Resolves when every job submitted so far has finished. */
  async idle(): Promise<void> {
    await this.#tail
  }
}
