/**
 * Asks in a modal <dialog> (pages/host-dialogs.tsx): showModal moves the focus into it and traps it there, Escape
 * cancels. Resolves true only when it was closed by its "confirm" button (a <form method="dialog"> sets returnValue).
 */
export function confirmDialog(dialog: HTMLDialogElement): Promise<boolean> {
  return new Promise((resolve) => {
    dialog.returnValue = ''
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true })
    dialog.showModal()
  })
}
